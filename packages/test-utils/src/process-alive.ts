/** Whether a process with this id is running (signal 0: nothing is sent). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // it exists, and belongs to someone else
    return (error as { code?: string }).code === "EPERM";
  }
}
