"""The two moons problem of the book's chapter "The two moons", written once.

The benchmarks and the tests train the chapter's network on the chapter's
points with the chapter's loss; this module says what those are. It needs
nothing but the standard library and whichever `micrograd` is importable
when its functions run: ours from the repository, a chapter's snapshot or an
installed wheel, or Karpathy's original in the benchmark's reference venv.
So it imports micrograd inside the functions that need it, never at the top,
and `run.py`, `worker.py` and the tests (through tests/conftest.py) import it
by putting this folder on `sys.path`.
"""

import ast
import inspect
import random
from pathlib import Path

POINTS = 100  # make_moons(n=100, noise=0.1, seed=1337)
NOISE = 0.1
SEED = 1337
HIDDEN = [16, 16]  # MLP(2, [16, 16, 1]): ReLU hidden layers, a linear output
STEPS = 100  # the chapter trains for 100 steps


def points(n=POINTS, seed=SEED):
    """The chapter's moons: (points, labels), each label -1 or 1."""
    from micrograd.data import make_moons

    return make_moons(n=n, noise=NOISE, seed=seed)


def network(MLP, hidden=HIDDEN, seed=SEED):
    """The chapter's network, its weights drawn after `random.seed(seed)`.
    `MLP` is micrograd.nn.MLP or micrograd.tensor.MLP: both draw the same
    numbers in the same order, so both start from the same weights."""
    random.seed(seed)
    return MLP(2, [*hidden, 1], activation="relu", output_activation="linear")


def book_loss():
    """Chapter 11's `loss_and_accuracy`, from the repository's
    micrograd/nn.py, where the chapter tangles it. It is read from the file
    and compiled alone, not imported, because the reference venv's
    `micrograd` is Karpathy's, which has no such function; the function
    needs nothing but the operators of the values it is given, so it runs
    on every engine. The live benchmark runs this module's source as a
    program in the browser, where there is no file and the importable
    package is ours: there it is the package's own."""
    if "__file__" not in globals():
        from micrograd.nn import loss_and_accuracy

        return loss_and_accuracy
    path = Path(__file__).resolve().parents[1] / "micrograd" / "nn.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[ast.stmt] = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "loss_and_accuracy"
    ]
    if len(found) != 1:
        raise LookupError(
            f"{path}: expected one `def loss_and_accuracy`, found {len(found)}; run `make tangle`"
        )
    namespace: dict = {}
    exec(compile(ast.Module(found, type_ignores=[]), str(path), "exec"), namespace)
    return namespace["loss_and_accuracy"]


loss_and_accuracy = book_loss()
# The weight of the L2 penalty on the parameters: the chapter's default.
ALPHA = inspect.signature(loss_and_accuracy).parameters["alpha"].default


def loss(model, points, labels, alpha=ALPHA):
    """The chapter's loss on a scalar engine: the mean max-margin loss of the
    points plus `alpha` times the sum of the squared parameters."""
    return loss_and_accuracy(model, points, labels, alpha)[0]


def array_loss(scores, labels, parameters, alpha=ALPHA):
    """The same loss on an array engine (micrograd.tensor, PyTorch), whose
    arrays share these operators: `scores` and `labels` are columns, one row
    a point; `parameters` are the arrays of the network."""
    data_loss = (1 - labels * scores).relu().mean()
    reg_loss = alpha * sum((p * p).sum() for p in parameters)
    return data_loss + reg_loss


def learning_rate(step, steps=STEPS):
    """The chapter's schedule: 1.0 at the first of `steps` steps, going down
    linearly to 0.1 at the last."""
    return 1.0 - 0.9 * step / max(steps - 1, 1)


def train(model, points, labels, steps, loss=loss):
    """The first `steps` steps of the chapter's training (its optimiser,
    micrograd.nn.SGD, on its schedule of STEPS steps); the loss before each
    step. `loss(model, points, labels)` is the loss to descend."""
    from micrograd.nn import SGD

    optimizer = SGD(model.parameters())
    losses = []
    for step in range(steps):
        value = loss(model, points, labels)
        optimizer.zero_grad()
        value.backward()
        optimizer.lr = learning_rate(step)
        optimizer.step()
        losses.append(float(value.data))
    return losses
