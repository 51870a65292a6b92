"""The Gaussian-process machinery behind BayesianOptimization (numpy and scipy only)."""
