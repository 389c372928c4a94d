"""Command line: `python -m tangle [--check | --snapshots DIR | --captions]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tangle.book import Book
from tangle.errors import TangleError
from tangle.package import describe_drift, package_data, write_package, write_snapshots
from tangle.tangler import tangle_book


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tangle",
        description="Generate the micrograd package from the book's chapters.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the book's root folder (holds _toc.yml); default: .",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail with a diff and the chapter to "
        "edit if micrograd/ differs from the chapters",
    )
    mode.add_argument(
        "--snapshots",
        type=Path,
        metavar="DIR",
        help="write the package as it stands after each chapter to DIR/<chapter>/micrograd/",
    )
    mode.add_argument(
        "--captions", action="store_true", help="print where each tangled cell's code lands"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite files in micrograd/ even if edited by hand"
    )
    args = parser.parse_args(argv)

    try:
        book = Book.load(args.root)
        result = tangle_book(book)
        if args.check:
            problems = describe_drift(result, book.root)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                print(
                    f"tangle: micrograd/ differs from the chapters "
                    f"({len(problems)} file(s)); see above.",
                    file=sys.stderr,
                )
                return 1
            print(f"tangle: micrograd/ matches the chapters ({len(result.files)} files).")
        elif args.snapshots:
            written = write_snapshots(result, args.snapshots, package_data(book.root))
            print(f"tangle: wrote {len(written)} snapshots to {args.snapshots}/")
        elif args.captions:
            for placement in result.placements:
                print(f"{placement.cell.where}: {placement.caption}")
        else:
            changed = write_package(result, book.root, force=args.force)
            for path in changed:
                print(f"tangle: wrote {path}")
            print(
                f"tangle: micrograd/ is up to date with the chapters "
                f"({len(result.files)} files, {len(changed)} changed)."
            )
    except TangleError as error:
        print(f"tangle: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
