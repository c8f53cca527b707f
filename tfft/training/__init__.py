"""Training: strategy factory, optimizer and schedule, the fit driver."""
