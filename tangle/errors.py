"""The one error type of the toolchain."""


class TangleError(Exception):
    """A problem in the chapters, reported as `file:line: what is wrong`.

    The message always names the chapter (and line) to look at and, where
    there is one, what to do about it.
    """
