// Reading a line of /proc/<pid>/stat (Linux): "pid (comm) state ppid pgrp
// session tty_nr tpgid …", where comm may hold spaces and parentheses.

/** The fields after "pid (comm) ": [0] state, [1] ppid, [2] pgrp, [3] session, [4] tty_nr, [5] tpgid, … */
export function procStatFields (stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}
