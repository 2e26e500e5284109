"""Adaptive choice: the right message, channel and moment for each person, learnt.

The modules here are pure: they take values and return values, read no clock and touch
no database; storage, the API and journeys wire them in. ``features`` turns a context
into a vector, ``arms`` keeps the Bayesian linear model per option, ``linear_ts`` and
``linucb`` choose with a floor on exploration and log exact propensities (``policy``
holds what they share, ``state`` reloads either from a plain dict), ``ope`` and
``targets`` estimate another policy's value from the decision log (``reward_model`` for
the doubly robust estimator), ``sendtime`` and ``channel`` pick the hour and the channel
(``shrink`` pools sparse counts), ``population`` and ``simulate`` show what adaptivity
buys, and ``perf`` measures decisions per second.
"""
