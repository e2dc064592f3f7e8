"""Test support: fakes and harnesses shared by unit, integration and e2e tests."""
