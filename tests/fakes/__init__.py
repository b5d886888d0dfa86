"""Real servers on 127.0.0.1 that speak the venues' protocols, for tests."""
