"""Ray's placement groups: reserve bundles of resources across the cluster, then run tasks and
actors in them.

    pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="SPREAD")
    glint.get(pg.ready())
    remove_placement_group(pg)
"""
from glint import _runtime

_STRATEGIES = ("PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD")


class PlacementGroup:
    """A handle to a placement group; picklable, so tasks and actors can use it too."""

    def __init__(self, id, bundle_specs, strategy="PACK", name=""):
        self.id = id
        self.bundle_specs = [dict(b) for b in bundle_specs]
        self.strategy = strategy
        self.name = name

    @property
    def bundle_count(self):
        return len(self.bundle_specs)

    def ready(self):
        """An ObjectRef that becomes ready (True) once every bundle is reserved."""
        return _runtime._request("pg_ready", id=self.id)

    def wait(self, timeout_seconds=30):
        """Whether the group was created within timeout_seconds."""
        return bool(_runtime._request("pg_wait", id=self.id, timeout_ms=int(timeout_seconds * 1000)))

    def _describe(self):
        return {"id": self.id, "bundles": self.bundle_specs, "strategy": self.strategy}

    def __eq__(self, other):
        return isinstance(other, PlacementGroup) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"PlacementGroup(id={self.id[:16]}, strategy={self.strategy}, bundles={self.bundle_specs})"


def placement_group(bundles, strategy="PACK", name="", lifetime=None, _soft_target_node_id=None):
    """Asks the cluster to reserve ``bundles`` (a list of resource dicts) with ``strategy``."""
    from glint import _driver
    _driver.ensure_initialized()
    if not isinstance(bundles, list) or not bundles:
        raise ValueError("bundles must be a non-empty list of resource dicts, e.g. [{'CPU': 1}]")
    for b in bundles:
        if not isinstance(b, dict) or not b:
            raise ValueError(f"each bundle must be a non-empty dict of resources, got {b!r}")
        if all(v == 0 for v in b.values()):
            raise ValueError(f"bundle {b} asks for no resources; a bundle needs at least one > 0")
    if strategy not in _STRATEGIES:
        raise ValueError(f"Invalid placement group strategy {strategy!r}; use one of {', '.join(_STRATEGIES)}")
    if lifetime not in (None, "detached"):
        raise ValueError("placement group `lifetime` argument must be either `None` or 'detached'")
    d = _runtime._request("pg_create", bundles=bundles, strategy=strategy, name=name or "",
                          lifetime=lifetime)
    return PlacementGroup(d["id"], d["bundles"], d["strategy"], d.get("name", ""))


def remove_placement_group(placement_group):
    """Gives the group's resources back; its tasks and actors are stopped."""
    _runtime._request("pg_remove", id=placement_group.id)


def placement_group_table(placement_group=None):
    """Ray's table: every group by id (or the one given), with state, strategy and bundles."""
    rows = _runtime._request("pg_table")
    table = {r["placement_group_id"]: {**r, "bundles": dict(enumerate(r["bundles"])),
                                       "bundles_to_node_id": dict(enumerate(r["bundles_to_node_id"]))}
             for r in rows}
    if placement_group is not None:
        return table.get(placement_group.id, {})
    return table


__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "placement_group_table"]
