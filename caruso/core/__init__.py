"""Foundation: service manager, event bus, typed settings."""
