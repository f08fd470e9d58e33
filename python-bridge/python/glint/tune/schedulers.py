"""Trial schedulers in Ray Tune's names; each runs as the Java engine's scheduler of the same name
(``io.glint.tune.schedulers``). Time is counted in ``training_iteration`` (reports)."""
import abc

from glint.tune._space import Domain, to_spec


class TrialScheduler(abc.ABC):
    """Base of the schedulers; ``metric`` and ``mode`` may be given here or in TuneConfig."""

    def __init__(self, metric=None, mode=None, time_attr="training_iteration"):
        if mode not in (None, "min", "max"):
            raise ValueError('mode must be "min" or "max", got %r' % (mode,))
        if time_attr != "training_iteration":
            raise ValueError("time_attr=%r: Glint's schedulers count training_iteration (reports)"
                             % (time_attr,))
        self.metric, self.mode = metric, mode

    @abc.abstractmethod
    def _spec(self):
        """The plain values the Java engine builds this from."""


class FIFOScheduler(TrialScheduler):
    """Runs every trial to its end (the default)."""

    def __init__(self):
        super().__init__()

    def _spec(self):
        return {"type": "fifo"}


class ASHAScheduler(TrialScheduler):
    """Asynchronous successive halving: rungs at grace_period * reduction_factor^k iterations; a
    trial reaching a rung goes on only if it is in the top 1/reduction_factor recorded there."""

    def __init__(self, time_attr="training_iteration", metric=None, mode=None, max_t=100,
                 grace_period=1, reduction_factor=4, brackets=1):
        super().__init__(metric, mode, time_attr)
        if brackets != 1:
            raise ValueError("brackets=%r: Glint's ASHA runs one bracket" % (brackets,))
        self.max_t, self.grace_period, self.reduction_factor = max_t, grace_period, reduction_factor

    def _spec(self):
        return {"type": "asha", "max_t": self.max_t, "grace_period": self.grace_period,
                "reduction_factor": self.reduction_factor}


AsyncHyperBandScheduler = ASHAScheduler


class HyperBandScheduler(TrialScheduler):
    """Synchronous HyperBand brackets; paused trials give back their resources and resume from
    their checkpoint."""

    def __init__(self, time_attr="training_iteration", metric=None, mode=None, max_t=81,
                 reduction_factor=3):
        super().__init__(metric, mode, time_attr)
        self.max_t, self.reduction_factor = max_t, reduction_factor

    def _spec(self):
        return {"type": "hyperband", "max_t": self.max_t, "reduction_factor": self.reduction_factor}


class MedianStoppingRule(TrialScheduler):
    """Stops a trial whose best result so far is worse than the median of the others' running
    averages at the same iteration (after grace_period iterations, with min_samples_required
    others). Ray's default time_attr is time_total_s; here grace_period counts iterations."""

    def __init__(self, time_attr="training_iteration", metric=None, mode=None, grace_period=3,
                 min_samples_required=3):
        super().__init__(metric, mode, time_attr)
        self.grace_period, self.min_samples_required = grace_period, min_samples_required

    def _spec(self):
        return {"type": "median", "grace_period": self.grace_period,
                "min_samples_required": self.min_samples_required}


class PopulationBasedTraining(TrialScheduler):
    """Every perturbation_interval iterations a trial in the bottom quantile_fraction takes a top
    trial's checkpoint and goes on with its config perturbed: resampled from hyperparam_mutations
    (a Domain or a list) with probability resample_probability, else numbers x0.8 / x1.2 and list
    values moved to a neighbour. Trainables must report checkpoints."""

    def __init__(self, time_attr="training_iteration", metric=None, mode=None,
                 perturbation_interval=60, hyperparam_mutations=None, quantile_fraction=0.25,
                 resample_probability=0.25, seed=0):
        super().__init__(metric, mode, time_attr)
        if not hyperparam_mutations:
            raise ValueError("PopulationBasedTraining needs hyperparam_mutations")
        for k, v in _leaves(hyperparam_mutations):
            if callable(v) and not isinstance(v, Domain):
                raise TypeError("hyperparam_mutations[%r]: give a tune Domain (tune.uniform, ...) "
                                "or a list, not a function" % k)
        self.perturbation_interval = perturbation_interval
        self.hyperparam_mutations = hyperparam_mutations
        self.quantile_fraction = quantile_fraction
        self.resample_probability = resample_probability
        self.seed = seed

    def _spec(self):
        return {"type": "pbt", "perturbation_interval": self.perturbation_interval,
                "hyperparam_mutations": to_spec(self.hyperparam_mutations, "hyperparam_mutations"),
                "quantile_fraction": self.quantile_fraction,
                "resample_probability": self.resample_probability, "seed": self.seed}


def _leaves(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _leaves(v, prefix + k + "/")
        else:
            yield prefix + k, v
