"""Local AWS emulator (moto server) for proving the state backend and the apply path offline.

`python -m modules.local_aws up|apply --env dev`; see README.md in this folder.
"""
