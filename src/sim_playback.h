/* SPDX-License-Identifier: MIT */
/*
 * The control client's `play`: reads a script (sim_script.h), hands it to
 * the daemon (sim_play.h's play-step and play-start), which keeps the
 * time, and waits until it has been played.
 */
#ifndef VDG_SIM_PLAYBACK_H
#define VDG_SIM_PLAYBACK_H

/*
 * Plays the script file @path @loops times (0: until SIGINT or SIGTERM)
 * through the control socket on @fd (connected; closed here).  Prints the
 * daemon's `played` line.  Returns the exit status: 0 played (or, looping
 * forever, stopped by a signal), 1 the daemon refused it or went away, or
 * a signal stopped a finite play, 2 the file could not be read or parsed.
 */
int sim_playback(int fd, const char *path, unsigned long loops);

#endif
