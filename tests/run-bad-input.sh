#!/bin/bash
# run-bad-input.sh - placeholder: being written.
echo "SKIP: not written yet"
exit 77
