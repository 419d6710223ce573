"""Ready-made services for wrapping legacy systems (ERP, CRM, web shop) without writing code."""
