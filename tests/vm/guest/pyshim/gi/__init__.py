"""Stand-in for PyGObject in the rig's guest, for targetcli-fb only (make bench, 54-tools.sh).

targetcli-fb 2.1.53 imports Gio at start and, whenever it lists backstores, asks the D-Bus system bus
for tcmu-runner's handlers. The guest has no D-Bus and no tcmu-runner, and PyGObject would bring
GLib and GObject introspection (several MiB) into every boot's image. gi.repository.Gio here answers
as a node without tcmu-runner does: the proxy cannot be made, so no user backstores are listed. It
skips the bus round trip a real node pays, so targetcli-fb measured with it is, if anything, faster
than on a real node.
"""
