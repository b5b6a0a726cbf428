"""Code shared by the chapters, assignments and tests of the CNN course."""
