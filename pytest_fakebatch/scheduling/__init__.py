"""Scheduling: the job lifecycle table's one mover, the scheduler that ticks jobs along,
the attempts it starts, collects and finishes (:mod:`.attempts`), capacity ordering, retry
decisions, service jobs' scheduling, and the clock every timestamp comes from.

Imports the model, the executors and the errors; nothing above it.
"""
