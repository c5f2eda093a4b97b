"""`monitor demo`: a sample world, a loopback server that plays its platforms, the runner."""
