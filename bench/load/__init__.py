"""The load benches' shared harness (``harness.py``) and the locust user classes (``locustfile.py``)."""
