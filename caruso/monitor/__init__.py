"""The live status monitor: a projection of the event stream, pushed to browsers over WebSocket."""
