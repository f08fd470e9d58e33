"""Ray's ``ray.util`` names: placement groups and scheduling strategies."""
from glint.util import scheduling_strategies  # noqa: F401 - ray.util.scheduling_strategies.X
from glint.util.placement_group import (PlacementGroup, placement_group, placement_group_table,
                                        remove_placement_group)

__all__ = ["PlacementGroup", "placement_group", "remove_placement_group", "placement_group_table"]
