"""Scheduling: the job lifecycle table's one mover, the scheduler that ticks jobs along,
capacity ordering, retry decisions, and the clock every timestamp comes from."""
