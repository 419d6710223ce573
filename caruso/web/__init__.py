"""The web app (aiohttp): JSON API, agent desktop, monitor, admin pages, self-service."""
