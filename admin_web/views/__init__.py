"""The panel's pages, one module per area; `admin_web.routes` says who may open each."""
