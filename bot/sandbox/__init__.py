"""The sandbox: a faithful stand-in for WeChat's side, for laptops, tests and benchmarks."""
