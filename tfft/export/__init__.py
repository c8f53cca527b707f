"""SavedModels that serve raw strings (tokenizer in the graph)."""
