"""Background work: polling loops, the invoice reader, the scheduler and its jobs."""
