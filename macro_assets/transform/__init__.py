"""Pure transforms: BEA answers to silver observations, observations to gold indicators."""
