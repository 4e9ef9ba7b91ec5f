"""The demo organization: a Spanish building-materials producer, generated from a seed."""
