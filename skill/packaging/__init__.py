"""The deployment package for AWS Lambda's Python runtime (``closer package-lambda``).

:mod:`skill.packaging.contents` decides what goes in: the parts of this project the
Lambda entry point imports, the content, and the runtime dependencies;
:mod:`skill.packaging.build` fetches the dependencies for Lambda's platform, compiles
the bytecode ahead of time and writes the zip file or folder.
"""
