/**
 * Public holidays (放假) and make-up working days (调休上班) of the Chinese calendar, per year.
 *
 * Sources:
 * - 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）.
 * - 2026: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号，2025-11-04）.
 * - 2027: not yet published by the State Council when this was written. The entry below is
 *   PROVISIONAL: only the statutory days of 《全国年节及纪念日放假办法》 (2024 revision: 元旦 1,
 *   春节 4 incl. 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3) without any 调休. Operators enter
 *   the official schedule in the `calendar_days` table (console or seed) once it is announced; rows
 *   there override these built-in days for the same date.
 */
export interface YearSchedule {
  year: number;
  source: string;
  provisional: boolean;
  /** Days off, inclusive ranges "MM-DD" or "MM-DD..MM-DD", with the festival name. */
  holidays: [string, string][];
  /** Weekend days that are working days (调休上班). */
  workdays: [string, string][];
}

export const HOLIDAY_SCHEDULES: YearSchedule[] = [
  {
    year: 2025,
    source: "国办发明电〔2024〕12号",
    provisional: false,
    holidays: [
      ["01-01", "元旦"],
      ["01-28..02-04", "春节"],
      ["04-04..04-06", "清明节"],
      ["05-01..05-05", "劳动节"],
      ["05-31..06-02", "端午节"],
      ["10-01..10-08", "国庆节、中秋节"],
    ],
    workdays: [
      ["01-26", "春节调休"],
      ["02-08", "春节调休"],
      ["04-27", "劳动节调休"],
      ["09-28", "国庆节调休"],
      ["10-11", "国庆节调休"],
    ],
  },
  {
    year: 2026,
    source: "国办发明电〔2025〕7号",
    provisional: false,
    holidays: [
      ["01-01..01-03", "元旦"],
      ["02-15..02-23", "春节"],
      ["04-04..04-06", "清明节"],
      ["05-01..05-05", "劳动节"],
      ["06-19..06-21", "端午节"],
      ["09-25..09-27", "中秋节"],
      ["10-01..10-07", "国庆节"],
    ],
    workdays: [
      ["01-04", "元旦调休"],
      ["02-14", "春节调休"],
      ["02-28", "春节调休"],
      ["05-09", "劳动节调休"],
      ["09-20", "国庆节调休"],
      ["10-10", "国庆节调休"],
    ],
  },
  {
    year: 2027,
    source: "《全国年节及纪念日放假办法》法定假日（暂定，待国务院办公厅公布调休安排）",
    provisional: true,
    holidays: [
      ["01-01", "元旦"],
      ["02-05..02-08", "春节"],
      ["04-05", "清明节"],
      ["05-01..05-02", "劳动节"],
      ["06-09", "端午节"],
      ["09-15", "中秋节"],
      ["10-01..10-03", "国庆节"],
    ],
    workdays: [],
  },
];
