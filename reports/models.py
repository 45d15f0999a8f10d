"""Statistical reports with disclosure control (issue: statistics)."""
