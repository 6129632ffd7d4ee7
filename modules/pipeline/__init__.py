"""The offline validation pipeline: synth -> terraform validate -> offline plan -> checkov gate."""
