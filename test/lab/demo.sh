#!/usr/bin/env bash
# The main job on the built-in local cluster, from a fresh machine (as root):
# install what is missing, bring up three lab hosts, deploy ZooKeeper + Kafka onto them
# with zkk, then show the cluster's health. Safe to run again (the deploy is idempotent).
# Tear down with: npm run lab -- down
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/setup.sh
bash test/lab/lab.sh up zk1 zk2 zk3
node bin/zkk.js deploy inventories/lab.yml
if node bin/zkk.js help status >/dev/null 2>&1; then node bin/zkk.js status inventories/lab.yml; fi
echo
echo "Lab hosts: ssh -F /var/lib/zkk-lab/ssh/config zk1    Tear down: npm run lab -- down"
