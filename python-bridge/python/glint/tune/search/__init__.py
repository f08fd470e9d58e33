"""Search algorithms in Ray Tune's names, run by the Java engine (``io.glint.tune.search``)."""
import abc


class Searcher(abc.ABC):
    """Base of the search algorithms; ``metric`` and ``mode`` may be given here or in TuneConfig."""

    def __init__(self, metric=None, mode=None):
        if mode not in (None, "min", "max"):
            raise ValueError('mode must be "min" or "max", got %r' % (mode,))
        self.metric, self.mode = metric, mode

    @abc.abstractmethod
    def _spec(self):
        """The plain values the Java engine builds this from."""


class BasicVariantGenerator(Searcher):
    """Grid points times random samples (the default)."""

    def __init__(self):
        super().__init__()

    def _spec(self):
        return {"type": "basic"}


class TPESearch(Searcher):
    """Bayesian optimisation with the Tree-structured Parzen Estimator (what Optuna's and
    HyperOpt's default samplers do), written in Java in the engine: after n_initial_points random
    trials, each config maximises l(x)/g(x) over n_ei_candidates draws, l fitted to the best gamma
    fraction of results and g to the rest. Use it where a Ray script uses OptunaSearch or
    HyperOptSearch."""

    def __init__(self, metric=None, mode=None, n_initial_points=10, gamma=0.25, n_ei_candidates=24):
        super().__init__(metric, mode)
        self.n_initial_points, self.gamma, self.n_ei_candidates = (
            n_initial_points, gamma, n_ei_candidates)

    def _spec(self):
        return {"type": "tpe", "n_initial_points": self.n_initial_points, "gamma": self.gamma,
                "n_ei_candidates": self.n_ei_candidates}
