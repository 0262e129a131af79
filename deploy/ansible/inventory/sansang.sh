#!/bin/sh
# Ansible inventory script: the sites of the province's inventory (danh mục điểm một cửa).
# SANSANG_INVENTORY: the inventory YAML; SANSANG: the sansang executable (default: on PATH).
# Ansible runs it with --list (or --host KEY); it prints `sansang collector ansible-inventory`.
exec "${SANSANG:-sansang}" collector ansible-inventory \
    --inventory "${SANSANG_INVENTORY:?set SANSANG_INVENTORY to the province inventory file}" "$@"
