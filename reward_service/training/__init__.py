"""Training reward heads (`train`), reading HelpSteer2-format data (`helpsteer`), and building
the default model from its shipped head and the backbone in a PyPI package (`default_model`,
`backbone`)."""
