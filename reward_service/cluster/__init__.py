"""Past one process, on Ray: the same HTTP API as Ray Serve replicas (`serve`), and the batch
pipelines on Ray Data (`data`). Optional: `pip install 'reward-service[ray]'`; nothing else in
the package imports this layer, and importing it loads no Ray until a command runs.
"""
