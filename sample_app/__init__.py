"""sample_app: the service that this pipeline ships. It adds the numbers it is given."""

__version__ = "0.1.0"
