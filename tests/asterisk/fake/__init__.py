"""A fake Asterisk for tests and benches: AMI server + FastAGI caller speaking what the captures show."""
