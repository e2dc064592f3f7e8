"""admin_web package."""
