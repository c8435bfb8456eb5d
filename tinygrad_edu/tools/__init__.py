"""Tools built on the framework: gradient checking, graph pictures, anomaly detection."""
