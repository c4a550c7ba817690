"""`python -m web`: what `make run` starts beside the worker."""

from web.server import main

main()
