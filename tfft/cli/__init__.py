"""absl entry points: `tfft-train`, `tfft-evaluate`, `tfft-predict`.

Flags are defined only when one of these modules is run as a program, never
on `import tfft`.
"""
