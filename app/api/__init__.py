"""The REST API: routes (``routes``) and their request and response models (``schemas``)."""
