package io.glint.api;

/** The languages Glint code runs in. */
public enum Language {
  JAVA,
  PYTHON
}
