# 52 restore-1000: 51-restore-100.sh with K = 1000 (K comes from the scenario's name).
# vm-boots: 2
. /vm/scenarios/51-restore-100.sh
