"""Search spaces in Ray Tune's names. Each entry becomes a Domain of Glint's Java Tune engine
(``io.glint.tune.Domain``) when the experiment starts; values must be ones MessagePack keeps exactly
(None, bool, int, float, str, bytes, lists and dicts of them), since they travel to Java, are saved
with the experiment and written to each trial's params.json."""
import abc
import math
import numbers

_TAG = "__glint_domain__"


class Domain(abc.ABC):
    """A hyperparameter's distribution (Ray's ``tune.search.sample.Domain``)."""

    @abc.abstractmethod
    def _spec(self):
        """The plain values the Java engine builds this from."""


class Float(Domain):
    def __init__(self, lower, upper, log=False, q=0.0):
        _number(lower, "lower")
        _number(upper, "upper")
        if not lower < upper:
            raise ValueError("a float range needs lower < upper, got [%r, %r]" % (lower, upper))
        if log and lower <= 0:
            raise ValueError("loguniform needs lower > 0, got %r" % (lower,))
        if q is not None and q < 0:
            raise ValueError("q must be positive, got %r" % (q,))
        self.lower, self.upper, self.log, self.q = float(lower), float(upper), bool(log), float(q or 0)

    def _spec(self):
        return {_TAG: "float", "lower": self.lower, "upper": self.upper, "log": self.log, "q": self.q}

    def __repr__(self):
        kind = "loguniform" if self.log else "uniform"
        return "%s(%r, %r%s)" % (kind, self.lower, self.upper, ", q=%r" % self.q if self.q else "")


class Integer(Domain):
    """An integer in [lower, upper) (Ray's ``randint``)."""

    def __init__(self, lower, upper):
        if not (_is_int(lower) and _is_int(upper)) or not lower < upper:
            raise ValueError("randint needs integers lower < upper, got [%r, %r)" % (lower, upper))
        self.lower, self.upper = int(lower), int(upper)

    def _spec(self):
        return {_TAG: "int", "lower": self.lower, "upper": self.upper}

    def __repr__(self):
        return "randint(%r, %r)" % (self.lower, self.upper)


class Categorical(Domain):
    def __init__(self, categories):
        categories = list(categories)
        if not categories:
            raise ValueError("choice needs at least one value")
        for c in categories:
            plain(c, "a choice value")
        self.categories = categories

    def _spec(self):
        return {_TAG: "choice", "values": self.categories}

    def __repr__(self):
        return "choice(%r)" % (self.categories,)


class Function(Domain):
    """A value computed from the rest of the config (Ray's ``sample_from``): ``func(spec)``, where
    ``spec.config`` is the trial's config so far (attribute or key access)."""

    def __init__(self, func):
        if not callable(func):
            raise TypeError("sample_from needs a function, got %r" % (func,))
        self.func = func

    def _spec(self):
        import cloudpickle
        return {_TAG: "sample_from", "function": cloudpickle.dumps(self.func)}

    def __repr__(self):
        return "sample_from(%r)" % (self.func,)


def uniform(lower, upper):
    return Float(lower, upper)


def quniform(lower, upper, q):
    return Float(lower, upper, q=q)


def loguniform(lower, upper, base=10):
    """Log-uniform on [lower, upper] (the base does not change the distribution)."""
    return Float(lower, upper, log=True)


def qloguniform(lower, upper, q, base=10):
    return Float(lower, upper, log=True, q=q)


def randint(lower, upper):
    """An integer in [lower, upper)."""
    return Integer(lower, upper)


def qrandint(lower, upper, q=1):
    """A multiple of q in [lower, upper], both ends included (Ray's ``qrandint``)."""
    if not (_is_int(lower) and _is_int(upper) and _is_int(q)) or q < 1 or lower > upper:
        raise ValueError("qrandint needs integers lower <= upper and q >= 1")
    return Categorical(range(lower, upper + 1, q))


def choice(categories):
    return Categorical(categories)


def grid_search(values):
    """Every value, each in its own trial (times num_samples); as Ray's, a plain dict."""
    values = list(values)
    for v in values:
        plain(v, "a grid_search value")
    return {"grid_search": values}


def sample_from(func):
    return Function(func)


def to_spec(space, path="config"):
    """The parameter space as plain values for the Java engine."""
    if isinstance(space, Domain):
        return space._spec()
    if isinstance(space, dict):
        out = {}
        for k, v in space.items():
            if not isinstance(k, str):
                raise TypeError("%s: keys must be strings, got %r" % (path, k))
            out[k] = to_spec(v, "%s[%r]" % (path, k))
        return out
    return plain(space, path)


def plain(value, what):
    """The value as MessagePack keeps it exactly (numpy scalars become Python numbers), or a
    TypeError naming what held it."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, int):
        if not -(1 << 63) <= value < (1 << 63):
            raise TypeError("%s: %r does not fit in 64 bits" % (what, value))
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v, what) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("%s: keys must be strings, got %r" % (what, k))
            out[k] = plain(v, "%s[%r]" % (what, k))
        return out
    item = getattr(value, "item", None)  # numpy scalars and 0-d arrays
    if callable(item) and getattr(value, "shape", None) == ():
        return plain(item(), what)
    raise TypeError(
        "%s is a %s: Tune keeps configs, metrics and checkpoints as None, bool, int, float, str, "
        "bytes, lists and dicts of them (pickle.dumps larger state into bytes, or pass objects to "
        "the trainable with tune.with_parameters)" % (what, type(value).__name__))


def _number(v, what):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v):
        raise ValueError("%s must be a number, got %r" % (what, v))


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)
