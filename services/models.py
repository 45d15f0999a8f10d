"""E-services and applications (issue: personal cabinet and e-services)."""
