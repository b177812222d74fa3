// Each boot starts its own PostgreSQL, Redis and service processes; two at once would only compete for the cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
