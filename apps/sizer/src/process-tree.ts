// How sizer ends and describes its child processes: the one implementation of the sizer packages.
export {
  describeExit,
  endProcessGroup,
  groupAlive,
  type ProcessExit,
} from "@sizer/process-kit";
