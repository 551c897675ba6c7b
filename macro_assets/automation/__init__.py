"""The refresh: a sensor on BEA's release calendar and a daily morning schedule."""
