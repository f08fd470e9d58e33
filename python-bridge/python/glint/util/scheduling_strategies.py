"""Ray's scheduling strategies: pass one as ``scheduling_strategy=`` to ``@remote``/``.options``.

    from glint.util.scheduling_strategies import PlacementGroupSchedulingStrategy
    f.options(scheduling_strategy=PlacementGroupSchedulingStrategy(pg, 0)).remote()
"""


class PlacementGroupSchedulingStrategy:
    """Run in bundle ``placement_group_bundle_index`` (-1: any) of ``placement_group``; with
    ``placement_group_capture_child_tasks``, tasks it submits run in the group too."""

    def __init__(self, placement_group, placement_group_bundle_index=-1,
                 placement_group_capture_child_tasks=None):
        if placement_group is None:
            raise ValueError("placement_group must not be None")
        n = len(placement_group.bundle_specs)
        if not -1 <= placement_group_bundle_index < n:
            raise ValueError(f"placement_group_bundle_index {placement_group_bundle_index} is out of "
                             f"range: the placement group has {n} bundles")
        self.placement_group = placement_group
        self.placement_group_bundle_index = placement_group_bundle_index
        self.placement_group_capture_child_tasks = bool(placement_group_capture_child_tasks)

    def _describe(self):
        return {"kind": "placement_group", "group": self.placement_group._describe(),
                "bundle_index": self.placement_group_bundle_index,
                "capture_child_tasks": self.placement_group_capture_child_tasks}


class NodeAffinitySchedulingStrategy:
    """Run on the node ``node_id``; with ``soft``, elsewhere when it cannot."""

    def __init__(self, node_id, soft, _spill_on_unavailable=False, _fail_on_unavailable=False):
        if not isinstance(node_id, str) or not node_id:
            raise ValueError("node_id must be a node's id (a hex string from glint.nodes())")
        self.node_id = node_id
        self.soft = bool(soft)

    def _describe(self):
        return {"kind": "node_affinity", "node_id": self.node_id, "soft": self.soft}


__all__ = ["PlacementGroupSchedulingStrategy", "NodeAffinitySchedulingStrategy"]
